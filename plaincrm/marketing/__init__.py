"""Marketing (docs/marketing.md): direct campaigns and their return.

What lives here: ``kind`` (the campaign kind, ``core.kinds``), ``campaigns``
(audience queries, the mailing list, responses, ``campaign_figures`` with ROI).

What it may import: the core, ``clients``, the sales domain (a response can
open a deal; revenue is won deals).  The mailing list's spreadsheet is
``formats.exporter.mailing_table``.  Never a front end.
"""
