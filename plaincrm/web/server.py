"""The web app put together: the Flask app of ``app`` with the pages and the actions."""

from __future__ import annotations

from flask import Flask

from . import actions, pages
from .app import Settings, install


def create_app(settings: Settings) -> Flask:
    """The web app on the CRM at ``settings.root``."""
    app = Flask(__package__ or __name__)
    install(app, settings)
    app.register_blueprint(pages.bp)
    app.register_blueprint(actions.bp)
    return app
