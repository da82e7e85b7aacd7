"""Pages of thematic plans (КТП), lessons and programme fulfilment (issue 3)."""
