"""Writes development keys to the git-ignored .env on first run; never overwrites a key that is there."""

import secrets
import sys
from pathlib import Path

from cryptography.fernet import Fernet

ENV_FILE = Path(__file__).resolve().parent.parent / ".env"


def main() -> int:
    existing: dict[str, str] = {}
    if ENV_FILE.exists():
        for line in ENV_FILE.read_text(encoding="utf-8").splitlines():
            if "=" in line and not line.lstrip().startswith("#"):
                key, value = line.split("=", 1)
                existing[key.strip()] = value
    wanted = {
        "DJANGO_SECRET_KEY": lambda: secrets.token_urlsafe(50),
        "FIELD_ENCRYPTION_KEYS": lambda: Fernet.generate_key().decode(),
        "BLIND_INDEX_KEY": lambda: secrets.token_urlsafe(32),
        "DEMO_PASSWORD": lambda: "Demo-" + secrets.token_urlsafe(9),
    }
    missing = {key: make() for key, make in wanted.items() if key not in existing}
    if not missing:
        return 0
    with ENV_FILE.open("a", encoding="utf-8") as handle:
        if not existing:
            handle.write("# Development keys written by `make run`. Never commit this file.\n")
        for key, value in missing.items():
            handle.write(f"{key}={value}\n")
    print(f"Wrote {', '.join(missing)} to {ENV_FILE.name}.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
