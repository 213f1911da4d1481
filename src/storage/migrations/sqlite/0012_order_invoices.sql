-- The invoice a provider over HTTP made for an order, and the reconciliation job's schedule of
-- asking the provider about it (BillingStore::SetOrderInvoice, DueOrderChecks, SetOrderCheck).
ALTER TABLE orders ADD COLUMN invoice_ref TEXT NOT NULL DEFAULT '';
ALTER TABLE orders ADD COLUMN invoice_url TEXT NOT NULL DEFAULT '';
ALTER TABLE orders ADD COLUMN checks INTEGER NOT NULL DEFAULT 0;
ALTER TABLE orders ADD COLUMN next_check_at INTEGER;
-- Only orders with a next check: the job's scan is O(due orders).
CREATE INDEX orders_next_check ON orders(next_check_at) WHERE next_check_at IS NOT NULL;
