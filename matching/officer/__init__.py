"""The officer workspace: queues, referral review, dashboard, exports and audit pages. A
consumer at the top: it reads matching, partners and producers; nothing below imports it."""
