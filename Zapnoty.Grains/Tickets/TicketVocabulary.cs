namespace Zapnoty.Grains.Tickets;

[GenerateSerializer]
public enum TicketStatus { New, InProgress, Waiting, Closed }

[GenerateSerializer]
public enum TicketPriority { Low, Normal, High, Urgent }

[GenerateSerializer]
public enum Channel { Telegram, Max, Api }

[GenerateSerializer]
public enum MessageAuthor { Customer, Agent, System }

[GenerateSerializer]
public enum Delivery { Pending, Delivered, Failed, Webhook }
