"""User and agency administration in the web interface: an agency's administrator manages the users of that
agency; the national administrator (system_admin) manages every agency and every user."""
