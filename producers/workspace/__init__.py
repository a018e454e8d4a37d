"""The producer's own pages: home, registration, products, certificates and the channels
each product fits. A consumer at the top: it reads matching; nothing below imports it."""
