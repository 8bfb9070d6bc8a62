FROM python:3.12-slim
ADD . /srv/app
USER 10001
CMD ["python", "/srv/app/main.py"]
