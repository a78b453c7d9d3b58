"""Commercial documents (docs/documents.md): quotes, contracts, invoices, payments.

What lives here: ``documents`` (``add_document``, ``set_status``, ``pay``,
line items, balances, ``document_gate``), ``settings`` (the ``documents:``
settings and what each stage requires), ``numbering`` (number formats and
series), ``receivables`` (invoiced, paid, owed; ageing), ``check`` (the
documents' part of ``plaincrm check``) and ``overdue`` (overdue invoices for
``today``).

What it may import: the core, ``clients`` and the sales pipeline's settings
(a document belongs to a deal); other domains only through what they
declare.  Never a front end.
"""
