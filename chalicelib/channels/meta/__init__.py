"""Meta channel: Facebook Page messages and comments, Instagram DMs and comments, WhatsApp
Cloud API. Pure parsing and signature checks here; the Graph API calls in adapters.graph."""
