"""Pages of thematic plans (КТП, issue 3)."""
