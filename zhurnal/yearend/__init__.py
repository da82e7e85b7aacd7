"""The year end (issue 13; seed 002 §6.2.3, regulation 3.1): the checklist and closing of a
school year (read-only afterwards, corrections through a deputy's audited unlock), the next
year created from this one and the promotion of the classes, each student by an order."""
