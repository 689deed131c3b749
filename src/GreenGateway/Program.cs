using GreenGateway;

var app = GatewayApp.Build(args);
app.Run();
