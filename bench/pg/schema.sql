-- Schema of the PostgreSQL transfer benchmark (bench/pg/run, issue 6): an accounts table whose
-- balances may not go negative, and an append-only ledger of transfers. :accounts and :balance
-- come from `psql -v`.
CREATE TABLE accounts (
  id int PRIMARY KEY,
  balance bigint NOT NULL CHECK (balance >= 0)
);
CREATE TABLE transfers (
  id bigserial PRIMARY KEY,
  from_id int,
  to_id int,
  amount bigint,
  at timestamptz DEFAULT now()
);
INSERT INTO accounts (id, balance) SELECT g, :balance FROM generate_series(1, :accounts) AS g;
VACUUM ANALYZE accounts;
