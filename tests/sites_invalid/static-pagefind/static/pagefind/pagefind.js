console.log("mine");
