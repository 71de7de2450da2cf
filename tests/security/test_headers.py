"""Security headers and the content-security policy: on every response, enforced in production, and satisfiable
by the templates (no inline script, handler or style anywhere). The pages themselves are loaded under the policy in
headless Chromium by `make csp-check` (scripts/csp_check.sh, run in CI)."""

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.test import Client

ROOT = Path(__file__).resolve().parents[2]
TEMPLATES = sorted((ROOT / "templates").rglob("*.html"))

pytestmark = pytest.mark.django_db


def directives(policy: str) -> dict[str, list[str]]:
    return {part.split()[0]: part.split()[1:] for part in policy.split(";") if part.strip()}


@pytest.mark.parametrize("path", ["/accounts/login/", "/public/facilities/", "/api/v1/statistics/indicators/"])
def test_every_response_carries_the_policy_and_the_other_headers(path):
    response = Client().get(path)
    policy = directives(response["Content-Security-Policy"])
    assert policy["script-src"] == ["'self'"] and policy["style-src"] == ["'self'"]
    assert policy["object-src"] == ["'none'"] and policy["frame-ancestors"] == ["'none'"]
    assert "unsafe-inline" not in response["Content-Security-Policy"]
    assert "unsafe-eval" not in response["Content-Security-Policy"]
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Frame-Options"] == "DENY"
    assert "microphone=()" in response["Permissions-Policy"]


def test_swagger_ui_loads_its_start_up_script_from_a_url(city_admin, web_client_for):
    page = web_client_for(city_admin).get("/api/docs/")
    assert page.status_code == 200
    html = page.content.decode()
    inline = [s for s in re.findall(r"<script([^>]*)>(.*?)</script>", html, re.S) if "src=" not in s[0]]
    assert not inline, inline
    script = web_client_for(city_admin).get("/api/docs/", {"script": ""})
    assert script.status_code == 200 and b"SwaggerUIBundle" in script.content


@pytest.mark.parametrize("template", TEMPLATES, ids=lambda p: str(p.relative_to(ROOT / "templates")))
def test_no_template_needs_an_inline_exception(template):
    text = template.read_text()
    scripts = re.findall(r"<script([^>]*)>", text)
    assert all("src=" in attrs or 'type="application/json"' in attrs for attrs in scripts), scripts
    assert not re.search(r"\son[a-z]+\s*=\s*[\"']", text), "inline event handler"
    assert not re.search(r"\sstyle\s*=\s*[\"']", text), "inline style attribute"
    assert "<style" not in text, "inline style element"
    assert "javascript:" not in text


def production(command: str, **extra: str) -> subprocess.CompletedProcess:
    environment = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "FIELD_", "BLIND_", "CONTENT_"))}
    environment.update(
        {
            "DJANGO_SETTINGS_MODULE": "suzhou_childcare.settings.production",
            "DJANGO_READ_DOT_ENV": "false",
            "DJANGO_SECRET_KEY": "p" * 20 + "-production-test-key-" + "q" * 20,
            "DJANGO_ALLOWED_HOSTS": "portal.example.gov.cn",
            "FIELD_ENCRYPTION_KEYS": "dGVzdC1vbmx5LWZpZWxkLWtleS1wcmltYXJ5LTAwMDA=",
            "BLIND_INDEX_KEY": "production-test-blind-index",
            **extra,
        }
    )
    return subprocess.run(  # noqa: S603 - our own manage.py
        [sys.executable, "manage.py", "shell", "-c", command],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_the_policy_is_enforced_in_production_settings():
    result = production(
        "from django.conf import settings; "
        "print(settings.CONTENT_SECURITY_POLICY_REPORT_ONLY, 'unsafe' in settings.CONTENT_SECURITY_POLICY, "
        "'suzhou_childcare.middleware.SecurityHeadersMiddleware' in settings.MIDDLEWARE)",
        CONTENT_SECURITY_POLICY_REPORT_ONLY="true",  # even when asked for report-only, production enforces
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split()[-3:] == ["False", "False", "True"]


def test_production_refuses_to_start_without_a_policy():
    result = production("from django.conf import settings; print(settings.DEBUG)", CONTENT_SECURITY_POLICY="")
    assert result.returncode != 0
    assert "CONTENT_SECURITY_POLICY must not be empty in production" in result.stderr
