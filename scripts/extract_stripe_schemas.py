#!/usr/bin/env python3
# Copyright 2026 IT Support Billing contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""Extract the part of Stripe's OpenAPI description the Stripe stand-in tests use.

    python3 scripts/extract_stripe_schemas.py [SPEC3_YAML] [--output FILE]

SPEC3_YAML defaults to ``../shared/stripe-openapi/spec3.yaml`` relative to the
repository root; the ``LICENSE`` file next to it (Stripe's MIT licence) is
copied into the output.  The output (default
``tests/data/stripe_openapi_subset.json``) keeps the layout of the
OpenAPI document, so ``#/components/schemas/...`` references resolve in it:

- ``components.schemas``: the response objects the tests check
  (``ROOT_SCHEMAS``) and every schema they reference, transitively;
- ``paths``: for each operation of ``OPERATIONS``, its parameters, its
  ``application/x-www-form-urlencoded`` request body and its responses.

Documentation-only keys (``description`` and ``x-expansionResources``, which
only repeats the ``anyOf`` next to it) are left out to keep the file small.
Needs PyYAML (``pip install pyyaml``).
"""

import argparse
import json
import sys
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_SPEC = REPO_ROOT.parent / "shared" / "stripe-openapi" / "spec3.yaml"
DEFAULT_OUTPUT = REPO_ROOT / "tests" / "data" / "stripe_openapi_subset.json"

ROOT_SCHEMAS = (
    "payment_intent",
    "customer",
    "payment_method",
    "event",
    "error",
    "api_errors",
    "charge",
    "refund",
    "balance_transaction",
    "payout",
    "balance",
    "dispute",
)
OPERATIONS = (
    ("post", "/v1/customers"),
    ("post", "/v1/payment_intents"),
    ("get", "/v1/payment_intents"),
    ("get", "/v1/payment_intents/{intent}"),
    ("post", "/v1/payment_intents/{intent}/confirm"),
    ("post", "/v1/payment_intents/{intent}/capture"),
    ("post", "/v1/payment_intents/{intent}/cancel"),
    ("get", "/v1/payment_methods/{payment_method}"),
    ("post", "/v1/charges/{charge}"),
    ("post", "/v1/refunds"),
    ("get", "/v1/balance"),
    ("get", "/v1/balance_transactions"),
    ("post", "/v1/payouts"),
    ("get", "/v1/disputes"),
    ("get", "/v1/disputes/{dispute}"),
    ("post", "/v1/disputes/{dispute}"),
)
OPERATION_KEYS = ("operationId", "parameters", "requestBody", "responses")
DROPPED_KEYS = frozenset({"description", "x-expansionResources"})
SCHEMA_REF_PREFIX = "#/components/schemas/"


def load_spec(spec_path):
    """Return the OpenAPI document at ``spec_path`` (YAML) as plain data."""
    import yaml  # only this script and its test need PyYAML

    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    with open(spec_path, encoding="utf-8") as spec_file:
        return yaml.load(spec_file, Loader=loader)


def strip_docs(node, in_properties=False):
    """Return a copy of ``node`` without documentation-only keys.

    Inside a ``properties`` mapping the keys are field names (a field may be
    called ``description``), so they are all kept.
    """
    if isinstance(node, dict):
        return {
            key: strip_docs(value, in_properties=key == "properties")
            for key, value in node.items()
            if in_properties or key not in DROPPED_KEYS
        }
    if isinstance(node, list):
        return [strip_docs(value) for value in node]
    return node


def collect_schema_refs(node, found):
    """Add to ``found`` the names of the component schemas ``node`` refers to."""
    if isinstance(node, dict):
        ref = node.get("$ref")
        if isinstance(ref, str):
            if not ref.startswith(SCHEMA_REF_PREFIX):
                raise ValueError(f"unexpected reference {ref!r}")
            found.add(ref[len(SCHEMA_REF_PREFIX) :])
        for value in node.values():
            collect_schema_refs(value, found)
    elif isinstance(node, list):
        for value in node:
            collect_schema_refs(value, found)
    return found


def extract(spec, license_text):
    """Return the subset (a dict) of the OpenAPI document ``spec``."""
    all_schemas = spec["components"]["schemas"]
    paths = {}
    for method, path in OPERATIONS:
        operation = spec["paths"][path][method]
        paths.setdefault(path, {})[method] = strip_docs(
            {key: operation[key] for key in OPERATION_KEYS if key in operation}
        )
    wanted = collect_schema_refs(paths, set(ROOT_SCHEMAS))
    schemas = {}
    pending = sorted(wanted)
    while pending:
        name = pending.pop()
        if name in schemas:
            continue
        schemas[name] = strip_docs(all_schemas[name])
        pending.extend(collect_schema_refs(schemas[name], set()) - schemas.keys())
    info = spec["info"]
    return {
        "license": {
            "name": "MIT",
            "copyright": "Copyright (c) 2011- Stripe, Inc. (https://stripe.com)",
            "source": "https://github.com/stripe/openapi (openapi/spec3.yaml)",
            "note": (
                "Extracted from Stripe's OpenAPI description, which Stripe "
                "publishes under the MIT licence below; documentation keys "
                "(description, x-expansionResources) removed. Regenerate with "
                "scripts/extract_stripe_schemas.py."
            ),
            "text": license_text,
        },
        "openapi": spec["openapi"],
        "info": {
            key: info[key]
            for key in ("title", "version", "x-stripeSpecFilename")
            if key in info
        },
        "x-extracted": {
            "root_schemas": list(ROOT_SCHEMAS),
            "operations": [f"{method.upper()} {path}" for method, path in OPERATIONS],
        },
        "paths": paths,
        "components": {"schemas": dict(sorted(schemas.items()))},
    }


def extract_from_file(spec_path):
    """Return the subset extracted from the spec3.yaml at ``spec_path``."""
    spec_path = Path(spec_path)
    license_text = (spec_path.parent / "LICENSE").read_text(encoding="utf-8")
    return extract(load_spec(spec_path), license_text)


def dumps(subset):
    """Serialise the subset the way the committed file is written."""
    return json.dumps(subset, indent=1, sort_keys=True, ensure_ascii=False) + "\n"


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("spec", nargs="?", default=str(DEFAULT_SPEC))
    parser.add_argument("--output", default=str(DEFAULT_OUTPUT))
    args = parser.parse_args(argv)
    subset = extract_from_file(args.spec)
    output = Path(args.output)
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(dumps(subset), encoding="utf-8")
    sys.stdout.write(
        f"{output}: {len(subset['components']['schemas'])} schemas, "
        f"{len(subset['paths'])} paths, {output.stat().st_size} bytes\n"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
