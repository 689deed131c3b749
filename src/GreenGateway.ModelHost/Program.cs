using GreenGateway.ModelHost;

var app = ModelHostApp.Build(args);
await app.RunAsync();
