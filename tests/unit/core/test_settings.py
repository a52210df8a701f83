"""Settings: one model per function, read from its environment with errors naming the variable, and in step
with template.yaml and .env.example.
"""

from __future__ import annotations

import ast
import importlib
import pathlib

import pytest

from devstack.env import read_env_file
from devstack.template import functions
from shared.core.settings import AdminApiSettings, LeadsSettings, PayoutsSettings, Settings, SettingsError

ROOT = pathlib.Path(__file__).resolve().parents[3]
# Functions whose variables are still read by their own modules (shared/web/config.py, shared/core/mail.py).
NOT_YET_MODELLED = {"web"}


def _model_named_in(name: str) -> type[Settings] | None:
    """The settings model functions/<name>/app.py names: `use_settings(Model)`, or `Model.from_env()`."""
    source = (ROOT / "functions" / name / "app.py").read_text()
    for node in ast.walk(ast.parse(source)):
        if not isinstance(node, ast.Call):
            continue
        if isinstance(node.func, ast.Name) and node.func.id == "use_settings" and node.args:
            named = node.args[0]
        elif isinstance(node.func, ast.Attribute) and node.func.attr == "from_env":
            named = node.func.value
        else:
            continue
        if isinstance(named, ast.Name):
            model = getattr(importlib.import_module(f"functions.{name}.app"), named.id)
            if isinstance(model, type) and issubclass(model, Settings):
                return model
    return None


MODELS: dict[str, type[Settings]] = {
    name: model for name in sorted(functions()) if (model := _model_named_in(name)) is not None
}
# Read by the libraries themselves (Powertools, pydantic), not by our code.
LIBRARIES_OWN = {"LOG_LEVEL", "PYDANTIC_DISABLE_PLUGINS"}
# The only modules of shared/ that read the environment (besides the settings module).
ENV_READERS = {
    "shared/core/settings.py",
    "shared/core/secrets.py",  # secrets: NAME, NAME_PARAM, NAME_SECRET_ARN
    "shared/core/dynamo.py",  # DYNAMODB_ENDPOINT and its local credentials
    "shared/core/observability.py",  # the per-invocation X-Ray trace header
}
NOT_YET_THROUGH_SETTINGS = {"shared/web/config.py", "shared/core/mail.py"}


def test_a_function_reads_only_its_own_variables() -> None:
    # Given an environment holding the variables of several functions
    environ = {
        "TABLE_NAME": "referral-prod",
        "PROGRAM_ID": "acme",
        "ADMIN_TOKEN": "not-for-payouts",
        "PAYOUT_TIMEZONE": "Europe/Berlin",
        "PAYOUT_SHARD_QUEUE_URL": "https://sqs.eu-central-1.amazonaws.com/123456789012/shards",
    }
    # When the payout function and the leads function read it
    payouts = PayoutsSettings.from_env(environ)
    leads = LeadsSettings.from_env(environ)
    # Then each has what it reads, and the defaults for the rest
    assert (payouts.table_name, payouts.program_id, payouts.payout_timezone) == (
        "referral-prod",
        "acme",
        "Europe/Berlin",
    )
    assert payouts.payout_shard_queue_url == environ["PAYOUT_SHARD_QUEUE_URL"] and payouts.admin_token is None
    assert (leads.payout_timezone, leads.payout_shard_queue_url) == ("UTC", None)


def test_a_missing_or_invalid_variable_is_named_in_one_error() -> None:
    # Given an environment without a table and with three bad values
    environ = {
        "PROGRAM_ID": "Not An Id",
        "PAYOUT_TIMEZONE": "Mars/Olympus_Mons",
        "PAYOUT_SHARD_QUEUE_URL": "sqs-queue",
    }
    # When the payout function reads it
    with pytest.raises(SettingsError) as raised:
        PayoutsSettings.from_env(environ)
    # Then one error names the model and every variable at fault
    message = str(raised.value)
    assert message.startswith("PayoutsSettings: ")
    for name in ("TABLE_NAME is not set", "PROGRAM_ID=", "PAYOUT_TIMEZONE=", "PAYOUT_SHARD_QUEUE_URL="):
        assert name in message


def test_a_blank_variable_counts_as_not_set() -> None:
    # Given `.env` lines like `PAYOUTS_FUNCTION_NAME=` (empty)
    environ = {"TABLE_NAME": "t-1", "PAYOUTS_FUNCTION_NAME": "", "PAYOUT_TIMEZONE": "  "}
    # When the admin function reads them
    admin = AdminApiSettings.from_env(environ)
    # Then they take their defaults
    assert (admin.payouts_function_name, admin.payout_timezone, admin.program_id) == (None, "UTC", "default")


def test_every_function_of_the_template_names_its_settings_model() -> None:
    # Given the functions of template.yaml
    names = set(functions())
    # Then each app module names a model of its own (`use_settings(Model)`; the redirect: `Model.from_env()`)
    assert names - NOT_YET_MODELLED == set(MODELS), "name a Settings subclass in functions/<name>/app.py"
    assert all(model is not Settings for model in MODELS.values())


@pytest.mark.parametrize("name", sorted(MODELS))
def test_the_template_sets_what_the_model_reads_and_nothing_else(name: str) -> None:
    # Given a function's environment in template.yaml and its settings model
    environment = set(functions()[name].environment) - LIBRARIES_OWN
    environment = {v for v in environment if not v.startswith("POWERTOOLS_")}
    model = MODELS[name]
    variables = {v.name for v in model.variables}
    secret_references = {f"{s}_{suffix}" for s in model.secrets for suffix in ("PARAM", "SECRET_ARN")}
    # Then every variable the template sets is one the model reads or a reference to one of its secrets
    assert environment <= variables | secret_references
    # And every required variable and every secret is set
    assert {v.name for v in model.variables if v.required} <= environment
    for secret in model.secrets:
        assert environment & {f"{secret}_PARAM", f"{secret}_SECRET_ARN"}, secret


def test_every_function_names_its_own_powertools_service() -> None:
    # Given the functions of template.yaml
    services = {name: spec.environment.get("POWERTOOLS_SERVICE_NAME") for name, spec in functions().items()}
    # Then each sets a service name of its own (logs and metrics say which function they come from)
    assert all(services.values()), services
    assert len(set(services.values())) == len(services)


def test_env_example_documents_every_variable_and_secret() -> None:
    # Given .env.example
    documented = set(read_env_file(ROOT / ".env.example"))
    # Then every variable of every model, and every secret's local value, has a line
    for model in MODELS.values():
        assert {v.name for v in model.variables} | set(model.secrets) <= documented, model.__name__


def test_only_the_settings_secrets_dynamo_and_trace_modules_read_the_environment() -> None:
    # Given every module of the shared package
    offenders = []
    for path in sorted(ROOT.glob("shared/**/*.py")):
        relative = str(path.relative_to(ROOT))
        if relative in ENV_READERS | NOT_YET_THROUGH_SETTINGS:
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Attribute) and node.attr in ("environ", "getenv"):
                offenders.append(f"{relative}:{node.lineno}")
    # Then none of the others reads a variable itself
    assert offenders == []
