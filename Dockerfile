# The Rapport API, for docker-compose (Neo4j) or any container platform.
FROM python:3.11-slim
WORKDIR /srv/rapport
COPY pyproject.toml README.md ./
COPY app ./app
COPY analytics ./analytics
COPY cypher ./cypher
RUN pip install --no-cache-dir -e .
ENV RAPPORT_DATA_DIR=/var/lib/rapport
EXPOSE 8000
CMD ["rapport", "serve", "--host", "0.0.0.0", "--port", "8000"]
