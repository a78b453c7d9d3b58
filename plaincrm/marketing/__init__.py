"""Marketing (docs/marketing.md): direct campaigns and their return.

What lives here: ``campaigns`` (audience queries, the mailing list, responses,
``campaign_figures`` with ROI).

What it may import: the core, ``clients``, the sales domain (a response can
open a deal; revenue is won deals) and ``formats`` (the mailing list's
spreadsheet).  Never a front end.
"""
