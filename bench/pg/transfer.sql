-- One transfer, the same logical work as a MiL.k BT transfer (bench/pg/run, issue 6): pick two
-- distinct accounts, debit one, credit the other and append the movement to the ledger table, in
-- one transaction committed synchronously. :accounts comes from `pgbench -D accounts=N`.
-- Balances start far above what a run can spend, so the guarded debit always matches one row;
-- the CHECK (balance >= 0) constraint is the backstop, as in a real schema.
\set from_id random(1, :accounts)
\set step random(1, :accounts - 1)
\set to_id 1 + ((:from_id - 1 + :step) % :accounts)
\set amount random(1, 100)
BEGIN;
UPDATE accounts SET balance = balance - :amount WHERE id = :from_id AND balance >= :amount;
UPDATE accounts SET balance = balance + :amount WHERE id = :to_id;
INSERT INTO transfers (from_id, to_id, amount) VALUES (:from_id, :to_id, :amount);
COMMIT;
