"""Application factory: wires config, extensions, blueprints and CLI together; nothing more."""
import os

from flask import Flask

from config import get_config


def create_app(config=None):
    """Build the app. `config` is a config class, a name ("testing"), or None for MADANG_ENV."""
    config_obj = get_config(config) if config is None or isinstance(config, str) else config
    app = Flask(__name__, instance_path=config_obj.INSTANCE_PATH)
    app.config.from_object(config_obj)
    os.makedirs(app.instance_path, exist_ok=True)  # the SQLite file and embedded Redis live here
    if not app.config.get("SECRET_KEY"):
        raise RuntimeError("SECRET_KEY must be set in the environment outside development and testing")
    from app.notifications.channels import sms

    sms.check_config(app.config)  # e.g. SMS_API_URL must be https:// in production: fail now, not at 3 a.m.

    from app import cli, database, errors, fast_support, forms_common, i18n, login, page_cache, redis_store, security, template_helpers
    from app.extensions import csrf, db, limiter, migrate
    from app.notifications import outbox

    app.config.setdefault("RATELIMIT_STORAGE_URI", redis_store.limiter_storage_uri(app))
    db.init_app(app)
    migrate.init_app(app, db, directory=os.path.join(app.root_path, os.pardir, "migrations"),
                     render_as_batch=True, compare_type=True)
    csrf.init_app(app)
    limiter.init_app(app)
    redis_store.init_app(app)
    i18n.init_app(app)
    login.init_app(app)
    security.init_app(app)
    template_helpers.init_app(app)
    errors.init_app(app)
    forms_common.init_app(app)
    outbox.init_app(app)
    database.init_app(app)
    page_cache.init_app(app)
    fast_support.init_app(app)  # outside the page cache: sympathies sent by the page's script

    from app.blueprints import register_blueprints
    from app.urls import init_app as register_converters

    register_converters(app)

    register_blueprints(app)
    cli.init_app(app)
    return app
