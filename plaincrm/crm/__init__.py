"""The CRM as a whole: create one, and edit any record by hand.

What lives here: ``setup`` (``init``: a new CRM repository; ``demo``: the
sample CRM with its dates moved to today) and ``handedit`` (``plaincrm edit``:
the editor works on a copy; the edit is merged with what commands changed
meanwhile, checked and committed).

What it may import: the core, ``git`` and the domains.  Only front ends import
it.
"""
