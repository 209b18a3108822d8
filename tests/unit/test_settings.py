"""Settings are one frozen object read from the environment."""
import pytest
from pydantic import ValidationError

from common.settings import Settings


def test_settings_come_from_the_environment(monkeypatch):
    monkeypatch.setenv("KAFKA_BOOTSTRAP_SERVERS", "127.0.0.1:1")
    monkeypatch.setenv("KAFKA_TOPIC_PREFIX", "x")
    s = Settings()
    assert (s.kafka_bootstrap_servers, s.kafka_topic_prefix) == ("127.0.0.1:1", "x")


def test_settings_are_frozen():
    with pytest.raises(ValidationError):
        Settings().kafka_topic_prefix = "changed"
