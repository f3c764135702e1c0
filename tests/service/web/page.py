"""``VerifyPage``: the auditor page driven the way a person uses it, read back as data."""

from __future__ import annotations

import base64
from dataclasses import dataclass
from typing import Any

from selenium.webdriver import Chrome
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

TIMEOUT = 30


@dataclass(frozen=True)
class Row:
    """One line of the checks table."""

    name: str
    outcome: str
    source: str
    reason: str
    mark: str


@dataclass(frozen=True)
class Shown:
    """What the page shows after Verify: the verdict, the checks, and any form error."""

    status: str
    headline: str
    verdict: str
    rows: tuple[Row, ...]
    form_error: str

    def row(self, name: str) -> Row:
        for row in self.rows:
            if row.name == name:
                return row
        raise KeyError(name)

    def outcomes(self) -> dict[str, str]:
        return {row.name: row.outcome for row in self.rows}

    def failed(self) -> list[str]:
        return [row.name for row in self.rows if row.outcome == "failed"]


_READ = """
const rows = [...document.querySelectorAll('#checks tbody tr')].map((tr) => ({
  name: tr.dataset.check, outcome: tr.dataset.outcome,
  mark: tr.cells[0].textContent, source: tr.cells[2].textContent,
  reason: tr.cells[3].textContent}));
const verdict = document.getElementById('verdict');
const results = document.getElementById('results');
const error = document.getElementById('form-error');
return {status: results.hidden ? '' : (verdict.dataset.status || ''),
        headline: verdict.querySelector('strong')?.textContent ?? '',
        verdict: verdict.querySelector('span')?.textContent ?? '',
        rows, form_error: error.hidden ? '' : error.textContent};
"""


class VerifyPage:
    def __init__(self, driver: Chrome) -> None:
        self.driver = driver

    @classmethod
    def open(cls, driver: Chrome, base_url: str) -> VerifyPage:
        driver.get(f"{base_url}/verify")
        WebDriverWait(driver, TIMEOUT).until(
            lambda d: d.execute_script("return document.body.dataset.ready === 'true'")
        )
        return cls(driver)

    def paste(self, text: str) -> VerifyPage:
        self.driver.execute_script(
            "const box = document.getElementById('bundle'); box.value = arguments[0];"
            "box.dispatchEvent(new Event('input', {bubbles: true}));",
            text,
        )
        return self

    def wait_for_file_status(self, prefix: str) -> None:
        """Wait until the page says it loaded a file (reading one is asynchronous)."""
        WebDriverWait(self.driver, TIMEOUT).until(
            lambda d: d.find_element(By.ID, "file-status").text.startswith(prefix)
        )

    def bundle_text(self) -> str:
        return str(self.driver.find_element(By.ID, "bundle").get_property("value"))

    def choose(self, mode: str) -> VerifyPage:
        self.driver.find_element(By.CSS_SELECTOR, f'input[name="mode"][value="{mode}"]').click()
        return self

    def fill(self, field_id: str, value: str) -> VerifyPage:
        field = self.driver.find_element(By.ID, field_id)
        field.clear()
        field.send_keys(value)
        return self

    def via_rpc(self, url: str, confirmations: int | None = None) -> VerifyPage:
        return self.via_nodes([url], confirmations=confirmations)

    def via_nodes(
        self, urls: list[str], quorum: int | None = None, confirmations: int | None = None
    ) -> VerifyPage:
        """RPC mode with ``urls`` one per line, and the quorum field (empty: all)."""
        self.choose("rpc").set_value("rpc-urls", "\n".join(urls))
        self.set_value("rpc-quorum", "" if quorum is None else str(quorum))
        if confirmations is not None:
            self.fill("min-confirmations", str(confirmations))
        return self

    def set_value(self, field_id: str, value: str) -> VerifyPage:
        """Set a field's value as typing would (for multi-line text and clearing)."""
        self.driver.execute_script(
            "const field = document.getElementById(arguments[0]); field.value = arguments[1];"
            "field.dispatchEvent(new Event('input', {bubbles: true}));",
            field_id,
            value,
        )
        return self

    def pin(self, chain_id: int, address: str) -> VerifyPage:
        """Enter the registry the auditor trusts (the "registry" kind of trust root)."""
        self.driver.find_element(
            By.CSS_SELECTOR, 'input[name="trust-kind"][value="registry"]'
        ).click()
        self.set_value("trust-chain-id", str(chain_id))
        return self.set_value("trust-registry", address)

    def pin_policy(self, policy: str) -> VerifyPage:
        """Paste the auditor's trust policy (the "policy" kind of trust root)."""
        self.driver.find_element(
            By.CSS_SELECTOR, 'input[name="trust-kind"][value="policy"]'
        ).click()
        return self.set_value("trust-policy", policy)

    def unpin(self) -> VerifyPage:
        """Clear both kinds of trust root."""
        for field in ("trust-chain-id", "trust-registry", "trust-policy"):
            self.set_value(field, "")
        return self

    def remember(self, wanted: bool) -> VerifyPage:
        box = self.driver.find_element(By.ID, "trust-remember")
        if box.is_selected() != wanted:
            box.click()
        return self

    def stored(self) -> dict[str, str]:
        """Everything in the page origin's local storage."""
        data: dict[str, str] = self.driver.execute_script(
            "return Object.fromEntries(Object.entries(window.localStorage));"
        )
        return data

    def value(self, field_id: str) -> str:
        return str(self.driver.find_element(By.ID, field_id).get_property("value"))

    def via_api(self, key: str, confirmations: int | None = None) -> VerifyPage:
        self.choose("api").fill("api-key", key)
        if confirmations is not None:
            self.fill("min-confirmations", str(confirmations))
        return self

    def verify(self) -> Shown:
        """Click Verify and wait until the page has finished."""
        self.driver.execute_script(
            "delete document.getElementById('results').dataset.state;"
            "document.getElementById('form-error').hidden = true;"
        )
        self.driver.find_element(By.ID, "verify").click()
        WebDriverWait(self.driver, TIMEOUT).until(
            lambda d: d.execute_script(
                "return document.getElementById('results').dataset.state === 'done'"
                " || !document.getElementById('form-error').hidden"
            )
        )
        return self.shown()

    def shown(self) -> Shown:
        data: dict[str, Any] = self.driver.execute_script(_READ)
        return Shown(
            status=data["status"],
            headline=data["headline"],
            verdict=data["verdict"],
            rows=tuple(Row(**row) for row in data["rows"]),
            form_error=data["form_error"],
        )

    def run_modules(self, modules: tuple[str, ...], body: str, *args: Any) -> Any:
        """Import ``static/<name>.js`` for each name in the page, then run ``body`` (an async
        function body: ``m.<name>`` is each module, ``args`` the arguments); return its result.
        """
        script = (
            "const done = arguments[arguments.length - 1];"
            "const args = Array.from(arguments).slice(0, -1);"
            f"const names = {list(modules)!r};"
            "Promise.all(names.map((name) =>"
            "  import(new URL(`verify/assets/${name}.js`, document.baseURI).href)))"
            ".then(async (loaded) => {"
            "  const m = Object.fromEntries(names.map((name, i) => [name, loaded[i]]));"
            f"  {body}"
            "}).then((value) => done({value}), (error) => done({error: String(error.stack)}));"
        )
        answer: dict[str, Any] = self.driver.execute_async_script(script, *args)
        if "error" in answer:
            raise AssertionError(f"the page's script failed: {answer['error']}")
        return answer.get("value")

    def screenshot(self, path: str) -> None:
        """Save the whole page (not only the window) as a PNG."""
        shot = self.driver.execute_cdp_cmd(
            "Page.captureScreenshot", {"format": "png", "captureBeyondViewport": True}
        )
        with open(path, "wb") as handle:
            handle.write(base64.b64decode(shot["data"]))
