"""What the partners app tells the apps above it, without knowing them."""

from django.dispatch import Signal

# Sent inside partner_set_status's transaction when a partner leaves the MOU, with `partner`.
# matching.hooks withdraws its open referrals there, so both commit or neither does.
partner_left = Signal()
