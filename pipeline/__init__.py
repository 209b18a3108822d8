"""Kafka to ANEF: the Faust worker, the pure mapping, the sink, rejections."""
