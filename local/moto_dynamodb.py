"""Makes moto's DynamoDB safe and fast enough to serve the embedded runtime's threads.

The API answers from a pool of threads and the workers run beside it, all against the one
in-process moto server. moto 5's DynamoDB is not thread-safe (concurrent writes raise
"dictionary changed size during iteration", seen as 500s under load), and its
TransactWriteItems deep-copies every table it touches to roll back on failure — a cost that
grows with the tables and, restored after a failure, can erase what other threads wrote
meanwhile. Here every DynamoDB call holds one lock, and a transaction keeps a copy of the
items it touches only. AWS's DynamoDB needs none of this; tests on moto in-process run one
call at a time and do not load it."""

from __future__ import annotations

import copy
import threading
from typing import Any

from moto.dynamodb.models import DynamoDBBackend
from moto.dynamodb.models.table import Table
from moto.dynamodb.responses import DynamoHandler

_LOCK = threading.RLock()
_installed = False


def install() -> None:
    """Patches moto's DynamoDB of this process, once."""
    global _installed
    if _installed:
        return
    _installed = True
    call_action = DynamoHandler.call_action
    transact = DynamoDBBackend.transact_write_items

    def locked_call(self: DynamoHandler) -> Any:
        with _LOCK:
            return call_action(self)

    def item_rollback_transaction(self: DynamoDBBackend, transact_items: list[Any]) -> None:
        saved = [_saved(self, next(iter(entry.values()))) for entry in transact_items]
        # moto copies whole tables for its own rollback: identity instead, ours is below.
        Table.__deepcopy__ = lambda table, memo: table  # type: ignore[attr-defined]
        try:
            transact(self, transact_items)
        except Exception:
            for entry in reversed([s for s in saved if s is not None]):
                _restore(self, *entry)
            raise
        finally:
            del Table.__deepcopy__  # type: ignore[attr-defined]

    DynamoHandler.call_action = locked_call  # type: ignore[method-assign]
    DynamoDBBackend.transact_write_items = item_rollback_transaction  # type: ignore[method-assign]


def _saved(
    backend: DynamoDBBackend, operation: dict[str, Any]
) -> tuple[str, dict[str, Any], dict[str, Any] | None] | None:
    name = operation.get("TableName")
    if name not in backend.tables:
        return None
    table = backend.tables[name]
    item = operation.get("Item", {})
    key = operation.get("Key") or {
        attribute: item[attribute]
        for attribute in (table.hash_key_attr, table.range_key_attr)
        if attribute and attribute in item
    }
    try:
        current = backend.get_item(name, key)
    except Exception:  # an invalid key: moto's transaction refuses it before writing
        return None
    return name, key, copy.deepcopy(current.to_json()["Attributes"]) if current else None


def _restore(
    backend: DynamoDBBackend, name: str, key: dict[str, Any], attributes: dict[str, Any] | None
) -> None:
    if attributes is None:
        if backend.get_item(name, key) is not None:
            backend.delete_item(name, key)
    else:
        backend.put_item(name, attributes)
