"""Git: the one module that runs it, and what plaincrm does with a repository's history.

What lives here: ``repo`` (every git command plaincrm runs, and commits made on
an index of their own; no other module starts git), ``hooks`` (the record merge
driver and the pre-commit hook registered in a clone: ``setup-git``), ``merge``
(the three-way merge of one record file, for the merge driver and ``edit``),
``history`` (a record's timeline and the team's activity, read from git),
``sync`` (commit, merge the team's changes, check, push) and ``undo``.

What it may import: ``repo`` imports only ``core.errors`` (the core commits
through it).  The other modules import the core and ``repo``, and reach the
domains only through what the domains declare (docs/ARCHITECTURE.md lists the
direct imports that remain).  Never a front end.
"""
