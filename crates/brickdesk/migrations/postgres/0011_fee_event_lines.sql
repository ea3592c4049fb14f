-- Fee events kept whole. Keep in step with ../sqlite/0011_fee_event_lines.sql.

-- An event Brickdesk could not read is stored all the same (raw JSON kept)
-- with the reason, so it is counted and shown rather than lost.
ALTER TABLE financial_events ADD COLUMN parse_error TEXT;

-- Which line of its event a row is (0-based, in Amazon's order): the key
-- of a line that has neither an OrderItemId nor a SKU, and how its
-- amounts are found again in the raw event.
ALTER TABLE financial_events ADD COLUMN line_position BIGINT;

CREATE INDEX financial_events_unreadable ON financial_events (id) WHERE parse_error IS NOT NULL;
