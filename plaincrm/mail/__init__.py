"""Mail in the client card: e-mail captured from Maildir, mbox, .eml files and IMAP.

What lives here (docs: README "Mail", ``schema/mail.md``):

- ``kind``: what mail adds to clients (index facts, the check of ``mail:``).
  The grammar of a client file's ``## Mail`` section is the core's record
  grammar (``core.mailentries``), which the parser, the merge driver and
  ``history`` read.
- ``settings``: the ``mail:`` section of ``plaincrm.yaml``.
- ``message``: one e-mail message read into the facts a card keeps (addresses,
  subject, the new text's excerpt, attachment names), never stopped by bad mail.
- ``sources``: Maildir folders, mbox files, ``.eml`` files and IMAP mailboxes
  (``imap``), read incrementally with a git-ignored state in ``.plaincrm/mail/``.
- ``matching``: which clients a message belongs to, and its direction.
- ``importer``: ``mail import`` as one all-or-nothing commit.
- ``followup``: the lists ``today`` shows (waiting for your answer, no answer yet)
  and the recorded mail that ``mail list`` queries, as data for any front end.

What it may import: the core (errors, dates, settings, model, records, store,
workhours, task lines), ``git.repo`` and the sales domain's log grammar
(``sales.deallog``: a mail counts as deal activity).  Nothing outside ``plaincrm/cli/``
imports the command line; this package never does.
"""

# The modules other domains may import (tests/test_layers.py).
INTERFACE = ("followup",)
