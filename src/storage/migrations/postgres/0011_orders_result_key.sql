-- The order that made a key (BillingStore::FindOrderThatMadeKey): the worker reads it when the
-- key becomes active or fails, to put the order's receipt in the key's message.
CREATE INDEX orders_result_key ON orders(result_key_id);
