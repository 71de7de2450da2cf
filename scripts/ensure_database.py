"""Creates the PostgreSQL database named in DATABASE_URL if it does not exist yet (make run on a new machine);
with --drop, drops it instead (throw-away databases of scripts/csp_check.sh)."""

import os
import sys
from pathlib import Path

import django

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def main() -> int:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "suzhou_childcare.settings.development")
    django.setup()
    from django.conf import settings

    db = settings.DATABASES["default"]
    if "postgresql" not in db["ENGINE"]:
        return 0
    import psycopg2
    from psycopg2 import sql

    params = {
        "host": db.get("HOST") or None,
        "port": db.get("PORT") or None,
        "user": db.get("USER") or None,
        "password": db.get("PASSWORD") or None,
    }
    if "--drop" in sys.argv:
        conn = psycopg2.connect(dbname="postgres", **params)
        conn.autocommit = True
        with conn.cursor() as cursor:
            cursor.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(db["NAME"])))
        conn.close()
        return 0
    try:
        psycopg2.connect(dbname=db["NAME"], **params).close()
        return 0
    except psycopg2.OperationalError as exc:
        if "does not exist" not in str(exc):
            print(f"Cannot reach PostgreSQL: {exc}", file=sys.stderr)
            return 1
    conn = psycopg2.connect(dbname="postgres", **params)
    conn.autocommit = True
    with conn.cursor() as cursor:
        cursor.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(db["NAME"])))
    conn.close()
    print(f"Created database {db['NAME']}.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
