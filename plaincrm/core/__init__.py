"""The kernel every domain stands on: records in files, the index, settings, git commits.

What lives here: ``errors`` (exit codes, ``Problem``), ``dates``, ``ids``,
``workhours`` (working-hours arithmetic), ``text`` (counts, figures and rates
in words), ``frontmatter`` (the YAML front matter: typed text, minimal-diff
edits), ``tasklines`` (the task-line grammar), ``recurrence`` (``every:``
rules), ``records`` and ``recordparts`` (the record parser and text edits),
``schemas`` (the JSON Schemas, validation in words), ``model`` (record types,
``Record``, ``RecordView``), ``settings`` (``plaincrm.yaml``), ``money``
(amounts, the CRM's currency and rates, conversion), ``store`` (the one way in: read, resolve,
write under the lock, commit), ``journal``, ``index`` (SQLite), ``firstrun``
(the first ``today`` of a large CRM), ``query`` (the query language),
``check`` (the checks of ``plaincrm check``), ``setfields`` (``set`` of any
record type), ``kinds`` (the record kinds every domain registers),
``mailentries`` (the ``## Mail`` grammar of a client file).

What it may import: the standard library, third-party packages, the package's
``__version__`` and ``git.repo`` (the one module that runs git, which imports
only ``core.errors``).  Never a domain package, the rest of ``git``, ``crm``,
``formats`` or a front end: what a domain adds, it registers (``kinds``), and
``tests/test_layers.py`` holds every import to these rules.
"""
