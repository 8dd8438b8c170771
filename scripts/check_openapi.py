#!/usr/bin/env python3
"""Checks docs/openapi.yaml: it is a valid OpenAPI 3 document, and every JSON
example of the seed (docs/seed/conversations-api.md) validates against the
schema of the endpoint it illustrates. Prints 'N passed, N failed'."""
import json
import pathlib
import re
import sys

import yaml
from openapi_schema_validator import OAS30Validator
from openapi_spec_validator import validate as validate_spec

ROOT = pathlib.Path(__file__).resolve().parent.parent
SPEC = yaml.safe_load((ROOT / "docs/openapi.yaml").read_text())
SEED = (ROOT / "docs/seed/conversations-api.md").read_text()


def response_schema(path, method, status):
    return SPEC["paths"][path][method]["responses"][status]["content"]["application/json"]["schema"]


def schema_for(heading, example):
    """The schema an example of the seed must satisfy, by the heading it is under."""
    if heading == "List Conversations":
        return response_schema("/conversations/", "get", "200")
    if heading == "Get Conversation Details":
        return response_schema("/conversations/{conversation_id}/", "get", "200")
    if heading == "Get Unread Count":
        return response_schema("/conversations/unread/count", "get", "200")
    if heading == "Create Conversation Message":
        if "data" in example:
            return response_schema("/conversation_messages", "post", "201")
        return {"$ref": "#/components/schemas/SendMessageRequest"}
    if heading == "Get Upload URL for Attachments":
        return response_schema("/conversation_message_attachments/upload_url", "get", "200")
    if heading == "Common Error Responses":
        return {"$ref": "#/components/schemas/Error"}
    raise KeyError(f"no schema known for an example under '{heading}'")


def seed_examples():
    heading, block = "", None
    for line in SEED.splitlines():
        if block is None and line.startswith("#"):
            heading = line.strip("# ").strip()
        if line.startswith("```json"):
            block = []
        elif line.startswith("```") and block is not None:
            yield heading, "\n".join(block)
            block = None
        elif block is not None:
            block.append(line)


def main():
    passed = failed = 0
    try:
        validate_spec(SPEC)
        passed += 1
    except Exception as error:  # noqa: BLE001 - report any reason the document is invalid
        print(f"FAIL docs/openapi.yaml is not valid OpenAPI 3: {error}")
        failed += 1
    for heading, text in seed_examples():
        try:
            example = json.loads(text)
            schema = dict(schema_for(heading, example), components=SPEC["components"])
            OAS30Validator(schema).validate(example)
            passed += 1
        except Exception as error:  # noqa: BLE001
            print(f"FAIL seed example under '{heading}': {str(error).splitlines()[0]}")
            failed += 1
    examples = len(list(seed_examples()))
    if examples != 9:
        print(f"FAIL expected the seed's 9 JSON examples, found {examples}")
        failed += 1
    print(f"openapi: {passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
