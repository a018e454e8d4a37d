"""Match results and referrals over the API, one module per resource."""
