# T2I web app and its headless worker role (same binary; T2I:Role selects the role).
# Build from the repository root:
#   docker build -f infra/docker/web.Dockerfile --target web    -t t2i/web:dev .
#   docker build -f infra/docker/web.Dockerfile --target worker -t t2i/worker:dev .
# .NET 10 images are Ubuntu 24.04 (no Debian images are published for .NET 10); its libstdc++ has
# GLIBCXX_3.4.32, so build/TorchSharpNativeFix.targets finds nothing to patch. g++ stays in the build
# stage so the fix still works if the base is swapped for an older distro.

FROM mcr.microsoft.com/dotnet/sdk:10.0 AS build
RUN apt-get update && apt-get install -y --no-install-recommends g++ && rm -rf /var/lib/apt/lists/*
WORKDIR /src
# Restore first, from project files only, so source edits reuse the package layer.
# global.json is left out on purpose: it pins this machine's SDK band; the image's 10.0 SDK builds.
COPY Directory.Build.props Directory.Build.targets Directory.Packages.props ./
COPY build/ build/
COPY src/T2I.Core/T2I.Core.csproj src/T2I.Core/
COPY src/T2I.Web/T2I.Web.csproj src/T2I.Web/
RUN dotnet restore src/T2I.Web/T2I.Web.csproj
COPY src/T2I.Core/ src/T2I.Core/
COPY src/T2I.Web/ src/T2I.Web/
RUN dotnet publish src/T2I.Web/T2I.Web.csproj -c Release --no-restore -o /app

FROM mcr.microsoft.com/dotnet/aspnet:10.0 AS web
# curl only for the container health checks.
RUN apt-get update && apt-get install -y --no-install-recommends curl && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY --from=build /app ./
# Named volumes copy this ownership, so the non-root app user can write images.
RUN mkdir -p /data/images && chown -R app:app /data
ENV ASPNETCORE_HTTP_PORTS=8080 \
    T2I__Images=/data/images
VOLUME /data
EXPOSE 8080
USER app
# /readyz: storage and PostgreSQL reachable (and, on a worker, the model loaded); /healthz is the liveness probe.
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s CMD curl -fsS http://127.0.0.1:8080/readyz >/dev/null || exit 1
ENTRYPOINT ["dotnet", "T2I.Web.dll"]

# Hangfire servers only (generation + ingestion queues); HTTP answers /healthz and /readyz and nothing else.
FROM web AS worker
ENV T2I__Role=worker
