# The command-line tools: dataprep (ingestion, stats, bench) and training (launch, bench, plot).
# Build from the repository root:
#   docker build -f infra/docker/cli.Dockerfile --target dataprep -t t2i/dataprep:dev .
#   docker build -f infra/docker/cli.Dockerfile --target training -t t2i/training:dev .
# Both run on the ASP.NET runtime image like the web app (one base to patch); see web.Dockerfile for the
# distro note.

FROM mcr.microsoft.com/dotnet/sdk:10.0 AS build
RUN apt-get update && apt-get install -y --no-install-recommends g++ && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY Directory.Build.props Directory.Build.targets Directory.Packages.props ./
COPY build/ build/
COPY src/T2I.Core/T2I.Core.csproj src/T2I.Core/
COPY src/T2I.Cli/T2I.Cli.csproj src/T2I.Cli/
COPY src/DataPrep/DataPrep.csproj src/DataPrep/
COPY src/Training/Training.csproj src/Training/
RUN dotnet restore src/DataPrep/DataPrep.csproj && dotnet restore src/Training/Training.csproj
COPY src/T2I.Core/ src/T2I.Core/
COPY src/T2I.Cli/ src/T2I.Cli/
COPY src/DataPrep/ src/DataPrep/
COPY src/Training/ src/Training/
RUN dotnet publish src/DataPrep/DataPrep.csproj -c Release --no-restore -o /app/dataprep \
 && dotnet publish src/Training/Training.csproj -c Release --no-restore -o /app/training

FROM mcr.microsoft.com/dotnet/aspnet:10.0 AS dataprep
WORKDIR /app
COPY --from=build /app/dataprep ./
USER app
ENTRYPOINT ["dotnet", "dataprep.dll"]

FROM mcr.microsoft.com/dotnet/aspnet:10.0 AS training
WORKDIR /app
COPY --from=build /app/training ./
RUN mkdir -p /runs && chown app:app /runs
VOLUME /runs
USER app
ENTRYPOINT ["dotnet", "training.dll"]
