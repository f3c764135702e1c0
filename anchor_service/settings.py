"""Service settings: one object, read from ``ANCHOR_*`` environment variables and ``.env``.

Entry points (the CLI, the app factory) build a :class:`Settings` with
:func:`load_settings` (which adds the dev settings file of ``anchor-service dev``);
nothing builds one at import time. Tests build their own, usually with
``_env_file=None`` and explicit values.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

__all__ = ["DEFAULT_DATABASE_URL", "Settings", "load_settings"]

DEFAULT_DATABASE_URL = "sqlite:///./.data/anchor.db"


class Settings(BaseSettings):
    """Configuration of every part of the service.

    Each field is read from ``ANCHOR_<FIELD NAME IN UPPER CASE>``; a ``.env`` file in the
    working directory is read too (the environment wins).
    """

    model_config = SettingsConfigDict(
        env_prefix="ANCHOR_",
        env_file=".env",
        env_file_encoding="utf-8",
        extra="ignore",
    )

    env: Literal["development", "production"] = Field(
        default="development",
        description="`production`: never read the dev settings file `anchor-service dev` "
        "writes (<data_dir>/dev.env: its local chain, registry and public test signer).",
    )

    # --- storage ---------------------------------------------------------------------
    database_url: str = Field(
        default=DEFAULT_DATABASE_URL,
        description="SQLAlchemy URL; sqlite:///path or postgresql://user@host/db.",
    )
    database_read_url: str = Field(
        default="",
        description="PostgreSQL streaming replicas of `ANCHOR_DATABASE_URL`, comma-separated: "
        "the API's reads (proofs, tiles, lists, batches, statements) go to them, round "
        "robin; a read one has not replayed yet, and every write, goes to the primary "
        "(operations.md#read-replicas). Empty: every read from the primary.",
    )
    database_read_max_lag_seconds: float = Field(
        default=30.0,
        ge=0,
        description="A read replica whose replay is more than this many seconds behind is "
        "left out (its reads go to another replica or the primary) until it catches up; "
        "0: never left out for lag.",
    )
    data_dir: Path = Field(
        default=Path(".data"),
        description="Directory for embedded state (SQLite file, local chain).",
    )
    db_pool_size: int = Field(default=10, ge=1, description="PostgreSQL pool size per process.")
    db_max_overflow: int = Field(default=20, ge=0, description="Extra PostgreSQL connections.")
    db_transaction_pooling: bool = Field(
        default=False,
        description="Set when the database URL points at a pooler in transaction mode "
        "(PgBouncer pool_mode=transaction): turns off the driver's server-side prepared "
        "statements, which such a pooler cannot keep.",
    )
    sqlite_busy_timeout_ms: int = Field(
        default=30_000, ge=0, description="How long a SQLite writer waits for the write lock."
    )

    # --- HTTP API --------------------------------------------------------------------
    host: str = Field(default="127.0.0.1", description="Address `serve` binds to.")
    port: int = Field(default=8000, ge=1, le=65535, description="Port `serve` binds to.")
    workers: int = Field(default=1, ge=1, description="Worker processes for `serve`.")
    max_body_bytes: int = Field(
        default=16 * 1024 * 1024, ge=1024, description="Largest accepted request body (413)."
    )
    header_timeout_seconds: float = Field(
        default=10.0,
        gt=0,
        description="Seconds a client has to send a request head (`serve` closes it after).",
    )
    body_timeout_seconds: float = Field(
        default=30.0,
        gt=0,
        description="Longest pause while a request body is sent (`serve` closes it after).",
    )
    max_bulk_items: int = Field(
        default=10_000, ge=1, description="Most entries in one bulk request."
    )
    max_metadata_bytes: int = Field(
        default=4096, ge=2, description="Largest entry metadata, as canonical JSON bytes."
    )
    api_key_cache_seconds: float = Field(
        default=5.0,
        ge=0,
        description="Seconds a worker trusts a verified API key (revocation delay); 0: never.",
    )
    rate_limit_per_minute: float = Field(
        default=120_000,
        ge=0,
        description="Requests a minute one API key may make, on average, per worker process "
        "(429 beyond); 0: no limit.",
    )
    rate_limit_burst: int = Field(
        default=2_000,
        ge=1,
        description="Requests one API key may make at once before the per-minute rate applies.",
    )
    log_level: str = Field(default="INFO", description="Python logging level.")
    log_format: Literal["text", "json"] = Field(
        default="text", description="Log lines as plain text, or one JSON object per line."
    )
    metrics_enabled: bool = Field(
        default=True, description="Serve Prometheus metrics at /metrics (unauthenticated)."
    )
    metrics_cache_seconds: float = Field(
        default=5.0, ge=0, description="Seconds a worker reuses the database figures of /metrics."
    )

    # --- chain (used by anchoring) ---------------------------------------------------
    rpc_url: str = Field(
        default="http://127.0.0.1:8546",
        description=(
            "EVM JSON-RPC URL. May carry credentials or a key (`https://user:pass@host/v3/KEY`): "
            "answers name the node as `scheme://host:port` only; logs mask its user "
            "information and path/query."
        ),
    )
    chain_id: int = Field(default=1337, ge=1, description="Expected EVM chain id.")
    registry_address: str | None = Field(
        default=None, description="AnchorRegistry address (0x...); deployed if unset in dev."
    )
    signer_key: SecretStr | None = Field(
        default=None, description="Hex private key of the anchoring account."
    )
    keystore_path: Path | None = Field(
        default=None, description="Encrypted keystore file (alternative to signer_key)."
    )
    keystore_password: SecretStr | None = Field(
        default=None, description="Password of the keystore file."
    )
    confirmations: int = Field(
        default=3, ge=0, description="Blocks on top of an anchor before it is settled."
    )
    max_fee_gwei: Decimal = Field(
        default=Decimal(200),
        gt=0,
        description="Cap on the max fee per gas of anchor transactions, in gwei.",
    )
    anchor_stuck_seconds: float = Field(
        default=300.0,
        ge=0,
        description="Seconds an anchor transaction may stay unmined before it is replaced "
        "with higher fees.",
    )
    deployment_file: Path | None = Field(
        default=None,
        description="Deployment record written by `anchor-service deploy`, read when "
        "registry_address is unset (default: <data_dir>/deployment.json).",
    )
    public_rpc_url: str | None = Field(
        default=None,
        description="JSON-RPC URL the /verify page offers auditors as the node to read the "
        "chain from (public, no credentials; rpc_url is never shown). Unset: the field starts "
        "empty.",
    )

    # --- transparency log (C2SP checkpoints) ------------------------------------------
    log_origin: str | None = Field(
        default=None,
        description="Origin line of the log's checkpoints (e.g. `ledger.example.co.id/anchor/v1`); "
        "the log key's name must equal it. Unset: the key's name.",
    )
    log_key_path: Path | None = Field(
        default=None,
        description="File holding the log's Ed25519 note signer key (`PRIVATE+KEY+...`), "
        "mode 0600, written by `anchor-service log-key create`.",
    )
    log_key: SecretStr | None = Field(
        default=None,
        description="The log's note signer key itself (`PRIVATE+KEY+...`, from a secret "
        "store); wins over log_key_path.",
    )
    checkpoint_seconds: float = Field(
        default=2.0,
        ge=0,
        description="How often the scheduler integrates new entries and signs a checkpoint; "
        "0: only at the nightly seal.",
    )
    max_merge_delay_seconds: float = Field(
        default=60.0,
        gt=0,
        description="Seconds within which a receipt promises the entry is in a signed checkpoint.",
    )
    tlog_public: bool = Field(
        default=True,
        description="Serve the checkpoint and hash tiles under /tlog/ without an API key; "
        "false: an auditor key is needed.",
    )

    # --- schedule --------------------------------------------------------------------
    seal_cron: str = Field(default="30 0 * * *", description="Cron expression for sealing.")
    timezone: str = Field(default="Asia/Jakarta", description="Time zone of seal_cron.")
    seal_max_batch_entries: int = Field(
        default=1_000_000,
        ge=1,
        description="Most entries sealed in one batch; a larger backlog becomes several.",
    )
    confirm_interval_seconds: float = Field(
        default=5.0, gt=0, description="How often the scheduler follows anchors in flight."
    )
    seal_when_pending: int = Field(
        default=0,
        ge=0,
        description="Also seal and anchor as soon as this many entries are pending; 0: off.",
    )
    seal_check_seconds: float = Field(
        default=10.0, gt=0, description="How often the scheduler counts pending entries."
    )
    audit_cron: str = Field(
        default="0 2 * * 0",
        description="Cron expression (in `timezone`) of the tamper audit; default Sundays "
        "02:00. Empty: no scheduled audit.",
    )
    leader_retry_seconds: float = Field(
        default=5.0,
        gt=0,
        description="How often a waiting scheduler tries the leader lock, and the leader "
        "checks that it still holds it (renews its lease on PostgreSQL).",
    )
    leader_lease_seconds: float = Field(
        default=15.0,
        gt=0,
        description="PostgreSQL: how long the scheduler's leader lease lasts unrenewed, at "
        "least 3 x leader_retry_seconds; another scheduler takes over at most this long "
        "after the leader is lost.",
    )
    dev_block_seconds: float = Field(
        default=1.0,
        ge=0,
        description="`dev` only: seconds between blocks of the local ganache; 0 mines a "
        "block per transaction only (anchors then wait for other transactions to confirm).",
    )

    # --- witnesses (c2sp.org/tlog-witness) ------------------------------------------
    witness_policy: Path | None = Field(
        default=None,
        description="A tlog-policy file listing the witnesses (name, verifier key, URL) and "
        "the quorum; unset: no witness is asked.",
    )
    witness_seconds: float = Field(
        default=60.0,
        ge=0,
        description="Least seconds between two rounds of witness requests (the head being "
        "anchored is always sent).",
    )
    witness_timeout_seconds: float = Field(
        default=5.0, gt=0, description="Seconds one witness has to answer one request."
    )
    anchor_quorum_wait_seconds: float = Field(
        default=60.0,
        ge=0,
        description="Most seconds the nightly anchor waits for the witness quorum on its "
        "head before it anchors without it (and says so).",
    )

    @field_validator("database_url")
    @classmethod
    def _database_url_not_blank(cls, value: str) -> str:
        value = value.strip()
        if not value:
            raise ValueError("database_url must not be empty")
        return value

    @field_validator("database_read_url")
    @classmethod
    def _read_urls_postgresql(cls, value: str) -> str:
        urls = [url.strip() for url in value.split(",") if url.strip()]
        for url in urls:
            if not url.startswith(("postgresql://", "postgres://", "postgresql+psycopg://")):
                raise ValueError("database_read_url: each URL must be a postgresql:// URL")
        return ",".join(urls)

    @property
    def database_read_urls(self) -> tuple[str, ...]:
        """The replica URLs of ``database_read_url`` (none when it is empty)."""
        return tuple(url for url in self.database_read_url.split(",") if url)

    @field_validator("log_level")
    @classmethod
    def _upper_log_level(cls, value: str) -> str:
        return value.upper()

    @model_validator(mode="after")
    def _replicas_of_postgresql(self) -> Settings:
        if self.database_read_url and not self.database_url.startswith(
            ("postgresql://", "postgres://", "postgresql+")
        ):
            raise ValueError("database_read_url needs a PostgreSQL database_url (the primary)")
        return self

    @model_validator(mode="after")
    def _lease_outlasts_renewals(self) -> Settings:
        if self.leader_lease_seconds < 3 * self.leader_retry_seconds:
            raise ValueError(
                f"leader_lease_seconds ({self.leader_lease_seconds:g}) must be at least 3 x "
                f"leader_retry_seconds ({self.leader_retry_seconds:g}): the leader renews "
                "every leader_retry_seconds and must notice a failed renewal before the "
                "lease expires"
            )
        return self

    @model_validator(mode="after")
    def _default_deployment_file(self) -> Settings:
        if self.deployment_file is None:
            self.deployment_file = self.data_dir / "deployment.json"
        return self


def load_settings() -> Settings:
    """The settings of a CLI command or the API: :class:`Settings` from the environment
    and ``.env``, completed by the dev settings file ``anchor-service dev`` writes in the
    data directory (its local chain, registry and public test signer; see
    :mod:`anchor_service.dev.settings_file`) for what is not configured, unless
    ``ANCHOR_ENV=production``."""
    settings = Settings()
    if settings.env == "production":
        return settings
    from anchor_service.dev.settings_file import read_dev_settings

    extra = read_dev_settings(settings)
    return Settings(**extra) if extra else settings
