"""Khabar's readers' endpoint: reactions, comments and their moderation, in one small WSGI
application. Standard library only (psycopg for PostgreSQL); it never imports the generator."""

__version__ = "0.2.0"
