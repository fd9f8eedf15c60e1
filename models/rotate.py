"""Re-encrypt stored data under the current primary key (key rotation).

Audit reasons are excluded on purpose: the hash chain covers their ciphertext, so they
stay under the key they were written with; keep retired keys in DATA_ENCRYPTION_KEY
(after the new one) for as long as audit exports must decrypt them.
"""

from __future__ import annotations

from sqlalchemy import Column, Engine, Table, Text, select, type_coerce, update

from models.crypto import PREFIX, EncryptedText, keyring_of
from models.tables import Base


def encrypted_columns() -> list[tuple[Table, Column[object], Column[object]]]:
    """(table, primary-key column, encrypted column) for every encrypted column."""
    out = []
    for table in Base.metadata.sorted_tables:
        pks = list(table.primary_key.columns)
        if len(pks) != 1:
            continue
        for col in table.columns:
            if isinstance(col.type, EncryptedText):
                out.append((table, pks[0], col))
    return out


def rotate_all(engine: Engine, batch: int = 500) -> dict[str, int]:
    """Rewrite every encrypted value under the first key; returns counts per column."""
    keyring = keyring_of(engine.dialect)
    counts: dict[str, int] = {}
    for table, pk, col in encrypted_columns():
        raw = type_coerce(col, Text)  # read the stored token, not the decrypted text
        done = 0
        last: object = None
        while True:
            stmt = select(pk, raw).where(col.is_not(None)).order_by(pk).limit(batch)
            if last is not None:
                stmt = stmt.where(pk > last)
            with engine.begin() as conn:
                rows = conn.execute(stmt).all()
                for key, value in rows:
                    if isinstance(value, str) and value.startswith(PREFIX):
                        conn.execute(
                            update(table)
                            .where(pk == key)
                            .values({col: type_coerce(keyring.rotate(value), Text)})
                        )
                        done += 1
            if len(rows) < batch:
                break
            last = rows[-1][0]
        counts[f"{table.name}.{col.name}"] = done
    return counts
