"""Gunicorn settings: `gunicorn -c config/gunicorn.conf.py config.wsgi`. The access log has the path without
its query string (%(U)s, not %(r)s) and no referer (%(f)s would carry the previous page's query string):
a search or a `next` link may hold a name, a document or a phone (docs/decisions/0182)."""

access_log_format = '%(h)s %(l)s %(u)s %(t)s "%(m)s %(U)s %(H)s" %(s)s %(b)s %(L)s'
accesslog = "-"
