"""Channels' codecs, pure and without ports: reading raw input (MIME e-mails, Meta webhook
payloads) and checking the signatures that authenticate it. Services turn what they read
into InboundMessages for the inbox; adapters (SES, Graph API) send the answers."""
