# CUDA builds of the generation worker and the training CLI (-p:T2IBackend=cuda → TorchSharp-cuda-linux).
# Requires a NuGet source that serves TorchSharp-cuda-linux 0.107.0 and its libtorch-cuda parts (several GB);
# nuget.org does, a private mirror can be added with --build-arg EXTRA_NUGET_SOURCE=https://…/index.json.
#   docker build -f infra/docker/cuda.Dockerfile --target worker-cuda   -t t2i/worker-cuda:dev .
#   docker build -f infra/docker/cuda.Dockerfile --target training-cuda -t t2i/training-cuda:dev .
# Run with the NVIDIA container toolkit (docker run --gpus all / nvidia.com/gpu in Kubernetes).
# The TorchSharp native fix is CPU-only (the targets skip it for cuda), so no g++ here.

ARG CUDA_BASE=nvidia/cuda:12.8.1-cudnn-runtime-ubuntu24.04

FROM mcr.microsoft.com/dotnet/sdk:10.0 AS build
ARG EXTRA_NUGET_SOURCE=""
WORKDIR /src
COPY Directory.Build.props Directory.Build.targets Directory.Packages.props ./
COPY build/ build/
COPY src/T2I.Core/T2I.Core.csproj src/T2I.Core/
COPY src/T2I.Cli/T2I.Cli.csproj src/T2I.Cli/
COPY src/T2I.Web/T2I.Web.csproj src/T2I.Web/
COPY src/Training/Training.csproj src/Training/
RUN if [ -n "$EXTRA_NUGET_SOURCE" ]; then dotnet nuget add source "$EXTRA_NUGET_SOURCE" -n extra; fi \
 && dotnet restore src/T2I.Web/T2I.Web.csproj -p:T2IBackend=cuda \
 && dotnet restore src/Training/Training.csproj -p:T2IBackend=cuda
COPY src/T2I.Core/ src/T2I.Core/
COPY src/T2I.Cli/ src/T2I.Cli/
COPY src/T2I.Web/ src/T2I.Web/
COPY src/Training/ src/Training/
RUN dotnet publish src/T2I.Web/T2I.Web.csproj -c Release --no-restore -p:T2IBackend=cuda -o /app/web \
 && dotnet publish src/Training/Training.csproj -c Release --no-restore -p:T2IBackend=cuda -o /app/training

# The CUDA base has no .NET: take the runtime from the (same Ubuntu 24.04) ASP.NET image.
FROM mcr.microsoft.com/dotnet/aspnet:10.0 AS dotnet

FROM ${CUDA_BASE} AS cuda-runtime
RUN apt-get update && apt-get install -y --no-install-recommends ca-certificates libicu74 tzdata \
 && rm -rf /var/lib/apt/lists/*
COPY --from=dotnet /usr/share/dotnet /usr/share/dotnet
RUN ln -s /usr/share/dotnet/dotnet /usr/bin/dotnet && useradd --uid 1654 --create-home app \
 && mkdir -p /data/images /runs && chown -R app:app /data /runs
ENV DOTNET_RUNNING_IN_CONTAINER=true

FROM cuda-runtime AS worker-cuda
WORKDIR /app
COPY --from=build /app/web ./
ENV ASPNETCORE_HTTP_PORTS=8080 \
    T2I__Role=worker \
    T2I__Images=/data/images
USER app
# The aspnet image's curl is not in the CUDA base; Kubernetes probes /healthz and /readyz over HTTP itself.
ENTRYPOINT ["dotnet", "T2I.Web.dll"]

FROM cuda-runtime AS training-cuda
WORKDIR /app
COPY --from=build /app/training ./
USER app
ENTRYPOINT ["dotnet", "training.dll"]
