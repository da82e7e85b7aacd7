"""Every access rule of Zhurnal (DESIGN §4): the rule table (``table.RULES``) and the named
predicates it is made of (``predicates``). Nothing imports this package: the ``permissions`` app
registers the table at start-up and code asks rules by name (``user.has_perm``)."""
