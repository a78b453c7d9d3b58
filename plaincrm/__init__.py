"""plaincrm: a CRM that lives in plain text (Markdown + YAML front matter in git)."""

__version__ = "0.1.0"
