"""Moving records in and out: spreadsheets (CSV, XLSX), vCard, iCalendar.

``sheet`` reads a spreadsheet into rows of cells, ``cells`` turns cells into
field values, ``columns`` recognises what each column holds, ``importer``
plans and applies an import, ``exporter`` writes records and tasks as
tables, ``vcard`` and ``ics`` speak the address-book and calendar formats.
The libraries behind XLSX, vCard and iCalendar (openpyxl, vobject,
icalendar) are imported inside the functions that need them; ``typehooks``
holds what each record type adds to an import or export, and ``vdir`` writes one
file per item for vdirsyncer.

What it may import: the core, and the domains for what their records need on
the way in and out (``typehooks``; the task importer adds tasks through
``tasks.taskops``).  Never a front end.
"""
