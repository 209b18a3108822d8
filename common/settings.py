"""One frozen settings object, read from the environment and from a ``.env`` file.

Frozen because a worker that changed its bootstrap servers or slot name halfway through a run
would write positions that no longer describe what it read.
"""
from __future__ import annotations

import tempfile
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from schemas.topics import Topic, declared


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", extra="ignore", frozen=True)

    agdref_database_url: str = Field(
        "postgresql+psycopg2://postgres@127.0.0.1:54329/agdref",
        description="SQLAlchemy URL of the legacy AGDREF database.",
    )
    anef_database_url: str = Field(
        "postgresql+psycopg2://postgres@127.0.0.1:54329/anef",
        description="SQLAlchemy URL of the ANEF database (the pipeline's bookkeeping lives there too).",
    )
    kafka_bootstrap_servers: str = Field("127.0.0.1:19092")
    kafka_topic_prefix: str = Field(
        "agdref-anef", description="Topics are named <prefix>.agdref.<table> (Debezium's topic.prefix)."
    )
    kafka_topic_partitions: int = Field(6, ge=1)
    kafka_replication_factor: int = Field(
        1, ge=1, description="Replicas of every topic the product creates (3 on a production cluster).")
    kafka_min_insync_replicas: int = Field(
        1, ge=1, description="In-sync replicas an acks=all write needs (2 with 3 replicas: one broker may fail).")

    replication_slot: str = Field("agdref_anef", description="Logical replication slot on AGDREF.")
    publication: str = Field("agdref_anef", description="Publication covering the AGDREF tables.")
    way_back_slot: str = Field("agdref_anef_way_back", description="Logical replication slot on ANEF (the way back).")
    way_back_metrics_port: int = Field(9110, ge=0, description="Prometheus /metrics of the way-back worker (0: off).")
    way_back_publication: str = Field(
        "agdref_anef_way_back", description="Publication of ANEF's own rows (origine = 'ANEF') for the way back.")

    worker_id: str = Field("agdref-anef-worker", description="Faust application id (consumer group).")
    worker_data_dir: str = Field(
        str(Path(tempfile.gettempdir()) / "agdref-anef-worker"),
        description="Faust's own folder (one sub-folder per worker id). The stores are in memory, so nothing "
        "in it needs to survive a restart; outside the working directory so runs leave no folders behind.")
    worker_metrics_port: int = Field(9108, ge=0, description="Prometheus /metrics of the worker (0: off).")
    worker_metrics_host: str = Field(
        "127.0.0.1", description="Address the worker's /metrics listens on: 0.0.0.0 in a container or a pod, "
        "where Prometheus and the web application reach it from outside.")
    worker_session_timeout: float = Field(
        10.0, ge=3, description="Seconds after which the broker hands a silent worker's partitions to the others.")
    sink_batch_size: int = Field(2000, ge=1, description="Legacy events recorded per transaction, at most.")
    sink_batch_seconds: float = Field(0.02, gt=0, description="How long a batch may wait to fill (adds to freshness).")
    consumer_fetch_min_bytes: int = Field(
        65536, ge=1, description="The broker holds the worker's fetches until this many bytes are there "
        "(pipeline.consumer_fetch): fewer, fuller responses for the consumer to decode; 1: Faust's behaviour.")
    consumer_fetch_max_wait_ms: int = Field(
        20, ge=1, le=1500, description="The longest the broker holds a worker's fetch waiting for "
        "CONSUMER_FETCH_MIN_BYTES: adds at most this to freshness when traffic is light (Faust fixes 1500).")
    rebuild_batch_size: int = Field(1000, ge=1, description="Dossiers rebuilt per transaction, at most.")
    # 0 by default: the agent is serial, and a record step that also rebuilt was the live
    # bottleneck; rebuilding beside it in REBUILD_TASKS loops met 500 transactions/s at the
    # knee (docs/performance.md, stop 34).
    record_rebuild_limit: int = Field(
        0, ge=0, description="Dossiers a recorded batch rebuilds in its own transaction, at most; the rest wait "
        "for the rebuild task, in another sink process. 0: the record step only records.")
    rebuild_tasks: int = Field(
        2, ge=1, description="Rebuild loops per worker, side by side (each needs a sink process of its own to run "
        "in parallel: SINK_PROCESSES ≥ REBUILD_TASKS + 1).")
    sink_processes: int = Field(
        3, ge=0, description="Processes of the worker's own that record and rebuild (pipeline.sink_process), beside "
        "Faust's event loop instead of sharing its interpreter lock; 0: threads of the worker's process.")
    snapshot_settle_seconds: float = Field(
        5.0, ge=0, description="Dossiers touched only by snapshot reads are rebuilt once no snapshot read has "
        "arrived for this long: a backfill brings a person's rows table after table, and rebuilding after each "
        "table would multiply the work.")
    snapshot_max_wait_seconds: float = Field(
        1800.0, ge=0, description="How long such a dossier waits at most while a long snapshot goes on.")
    transaction_wait_seconds: float = Field(
        10.0, ge=0, description="How long a dossier waits for the rest of an incomplete legacy transaction.")

    max_rejection_rate: float = Field(0.5, gt=0, le=1, description="Share of recent events that may be dead letters.")
    rejection_window: int = Field(2000, ge=1, description="How many recent events the rejection rate covers.")
    rejection_minimum: int = Field(200, ge=1, description="Events seen before the rate is judged.")

    log_format: Literal["console", "json"] = Field("console")
    log_level: str = Field("INFO")
    pii_pseudonym_key: str = Field(
        "local-development-only",
        description="Key of the HMAC that turns foreigner numbers into pseudonyms in logs.",
    )

    # The web application (operations/web). The secret comes from the environment only: the
    # application refuses to start without one (never a default in the repository).
    web_session_secret: str = Field("", description="Signs the session cookies (32 characters at least).")
    web_host: str = Field("127.0.0.1")
    web_port: int = Field(8088, ge=1)
    web_sample_seconds: float = Field(5.0, gt=0, description="How often the web application samples the streams.")
    web_secure_cookies: bool = Field(
        False, description="Behind TLS: the session cookie is Secure and pages send HSTS (off for local http).")


    @model_validator(mode="after")
    def _replicas_can_acknowledge(self) -> Settings:
        if self.kafka_min_insync_replicas > self.kafka_replication_factor:
            raise ValueError(f"KAFKA_MIN_INSYNC_REPLICAS ({self.kafka_min_insync_replicas}) exceeds "
                             f"KAFKA_REPLICATION_FACTOR ({self.kafka_replication_factor}): no write could be acknowledged")
        return self

    def topics(self) -> list[Topic]:
        """Every topic of this deployment (``schemas.topics``)."""
        return declared(self.kafka_topic_prefix, self.kafka_topic_partitions, self.kafka_replication_factor,
                        self.kafka_min_insync_replicas)


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings, read once."""
    return Settings()
