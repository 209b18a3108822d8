"""AGDREF to Kafka: logical decoding (and, later, snapshots and polling) into Debezium's envelope."""
