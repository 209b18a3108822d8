-- The way back's bench: ANEF-native persons the scripts draw from, and a serial for new keys.
CREATE SCHEMA IF NOT EXISTS bench_way_back;
CREATE SEQUENCE IF NOT EXISTS bench_way_back.serial;
