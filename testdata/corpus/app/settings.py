import os
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent

SECRET_KEY = 'heIU8twqxczeoWXNg7dArwJrvfJ5OPEu0kTfjqUxolqgERup6u'
DEBUG = False
ALLOWED_HOSTS = ["shop.acme-corp.io"]

DATABASES = {
    'default': {
        'ENGINE': 'django.db.backends.postgresql',
        'NAME': 'shop',
        'USER': 'shop',
        'PASSWORD': 'Gv6rMF!qk9ABdca',
        'HOST': 'shop-db.internal',
    }
}

EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
AUTH_PASSWORD_VALIDATORS = [{'NAME': 'django.contrib.auth.password_validation.MinimumLengthValidator'}]
REPORTING_DB = 'mysql+pymysql://reporter:oo41T3!9LH1oqL@10.20.1.5:3306/metrics'
PASSWORD_HASHERS = ['django.contrib.auth.hashers.Argon2PasswordHasher']
