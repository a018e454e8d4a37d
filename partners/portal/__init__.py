"""The partner portal: what a partner's members use (shortlist, decisions, saved lists,
feeds, settings and API keys). A consumer at the top: it reads matching, partners and producers;
nothing below imports it."""
