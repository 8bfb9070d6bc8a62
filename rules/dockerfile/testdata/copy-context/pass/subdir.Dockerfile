FROM python:3.12-slim
COPY src/ /srv/app/
COPY requirements.txt /srv/
USER 10001
CMD ["python", "/srv/app/main.py"]
